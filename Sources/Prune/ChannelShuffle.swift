import ONNXIO

/// ShuffleNet's channel shuffle: Reshape [N, C, H, W] → [N, g, C/g, H, W], Transpose
/// (0, 2, 1, 3, 4), Reshape back to [N, C, H, W]; output channel j·g + i is input channel
/// i·C/g + j.
///
/// The simplifier does not remove channels through it: that would need the same index j
/// dropped from all g groups (so the shuffle of the smaller tensor is the same permutation),
/// the halves that the next block's Slice cuts kept equal in size, and the Shape nodes that
/// compute both Reshape targets and the Slice bounds accepted as channel-agnostic. It only
/// names the shuffle, so the kept-channel report says why instead of blaming a Shape node.
struct ChannelShuffle {
    let input: String
    let output: String
    let name: String
    let groups: Int

    var reason: String {
        "channel shuffle '\(name)' (Reshape→Transpose→Reshape over \(groups) groups, its shapes and the next "
            + "Slice bounds computed by Shape nodes); removal through it would need the same channel index "
            + "dropped from every group and equal Slice halves, which the simplifier does not do"
    }

    static func find(in g: Graph, shapes: [String: [Int]]) -> [ChannelShuffle] {
        var producer: [String: Node] = [:]
        var readers: [String: [Node]] = [:]
        for n in g.nodes {
            for o in n.outputs where !o.isEmpty { producer[o] = n }
            for x in n.inputs where !x.isEmpty { readers[x, default: []].append(n) }
        }
        var found: [ChannelShuffle] = []
        for t in g.nodes where t.op == "Transpose" && t.ints("perm") == [0, 2, 1, 3, 4] {
            guard let r1 = producer[t.inputs[0]], r1.op == "Reshape", let r2s = readers[t.outputs[0]], r2s.count == 1,
                  r2s[0].op == "Reshape", let sx = shapes[r1.inputs[0]], sx.count == 4,
                  let s5 = shapes[r1.outputs[0]], s5.count == 5, s5[1] * s5[2] == sx[1],
                  shapes[r2s[0].outputs[0]] == sx else { continue }
            found.append(ChannelShuffle(input: r1.inputs[0], output: r2s[0].outputs[0],
                                        name: t.name ?? t.outputs[0], groups: s5[1]))
        }
        return found
    }

    /// The pin reason for every value a shuffle reads or writes.
    static func reasons(in g: Graph, shapes: [String: [Int]]) -> [String: String] {
        var r: [String: String] = [:]
        for s in find(in: g, shapes: shapes) {
            r[s.input] = s.reason
            r[s.output] = s.reason
        }
        return r
    }
}
