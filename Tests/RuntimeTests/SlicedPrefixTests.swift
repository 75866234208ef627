import Foundation
import Testing
import ONNXIO
@testable import Runtime

/// The sliced prefix (`SlicedPrefix`: the first steps run a few images at a time): every
/// kernel case against onnxruntime with slices of one and two images, the `sp_*` mobile
/// prefixes really sliced, and the operators that must end a prefix.
@Suite struct SlicedPrefixTests {
    /// Slices of `images` images, the prefix as long as the graph allows.
    static func options(_ images: Int, native: Bool = true) -> Session.Options {
        var o = Session.Options()
        o.sliceImages = images
        o.sliceMinimum = 0
        o.nativeKernels = native
        return o
    }

    static let settings: [Session.Options] = [options(1), options(2), options(2, native: false)]

    @Test(arguments: KernelReferenceTests.cases, settings)
    func matchesOnnxRuntime(_ name: String, _ options: Session.Options) throws {
        let (model, inputs, expected) = try KernelReferenceTests.load(name)
        let session = try Session(model: model, options: options)
        let got = try session.run(inputs: inputs, outputs: Array(expected.keys))
        for (out, want) in expected {
            let problem = compare(try #require(got[out]), want, tol: 1e-5, exact: false)
            #expect(problem == nil, "\(name) output \(out): \(problem ?? "")")
        }
    }

    /// The mobile prefixes run their first steps once per slice (batches of at least two
    /// slices) and stop before Flatten.
    @Test(arguments: ["sp_mobile", "sp_silu"], [1, 2, 3])
    func mobilePrefixIsSliced(_ name: String, _ images: Int) throws {
        let (model, inputs, _) = try KernelReferenceTests.load(name)
        let session = try Session(model: model, options: Self.options(images))
        let prefix = try #require(session.slicedPrefix)
        let steps = session.optimisedPlan.steps
        let flatten = try #require(steps.firstIndex { $0.node.opType == "Flatten" })
        #expect(prefix.candidates.count >= 3 && prefix.candidates.allSatisfy { $0.cut <= flatten })
        var calls = [Int: Int]()
        let observer = RunObserver(nodeFinished: { i, _ in calls[i, default: 0] += 1 }, freed: nil)
        _ = try session.execute(inputs: inputs, outputs: nil, overrides: [:], observer: observer)
        let batch = try #require(inputs["x"]?.shape.first)
        let slices = batch >= 2 * images ? (batch + images - 1) / images : 1   // a slice of half the batch at most
        #expect(calls[steps[0].origin] == slices)
        #expect(calls[steps[flatten].origin] == 1)
        // The profile sums a node's slices into one entry.
        let names = try session.profile(inputs: inputs).map(\.node)
        #expect(names.count == Set(names).count && names.count == steps.count)
    }

    /// Requesting an intermediate of the prefix ends the slices before it; the values agree
    /// with the unsliced run.
    @Test func requestedIntermediate() throws {
        let (model, inputs, _) = try KernelReferenceTests.load("sp_mobile")
        let sliced = try Session(model: model, options: Self.options(2))
        let whole = try Session(model: model, options: Self.options(0))
        let steps = sliced.optimisedPlan.steps
        let names = [steps[3].node.outputs[0], steps[steps.count - 1].node.outputs[0]]
        let a = try sliced.run(inputs: inputs, outputs: names), b = try whole.run(inputs: inputs, outputs: names)
        for n in names {
            let problem = compare(try #require(a[n]), try #require(b[n]), tol: 1e-6, exact: false)
            #expect(problem == nil, "\(n): \(problem ?? "")")
        }
    }

    /// Operators whose result mixes images end the prefix (or never start it).
    @Test func admits() {
        let x = "x", sliced: Set<String> = [x]
        let shapes: [String: [Int]] = ["w": [4, 4, 1, 1], "perBatch": [5, 4, 1, 1], "perChannel": [1, 4, 1, 1], "c3": [4, 1, 1]]
        let shapeOf = { (n: String) in shapes[n] }
        func node(_ op: String, _ ins: [String], _ outs: [String] = ["y"], axis: Int? = nil) -> Node {
            var n = Node(opType: op, inputs: ins, outputs: outs, name: op)
            if let axis {
                var a = Attribute(name: "axis", type: .int)
                a.i = Int64(axis)
                n.attributes = [a]
            }
            return n
        }
        #expect(SlicedPrefix.admits(node("Conv", [x, "w"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Conv", ["w", x]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(SlicedPrefix.admits(node("Mul", [x, "perChannel"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(SlicedPrefix.admits(node("Add", [x, "c3"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Add", [x, "c3"]), sliced: sliced, rank: 3, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Mul", [x, "perBatch"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Mul", [x, "unknown"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(SlicedPrefix.admits(node("MaxPool", [x]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("MaxPool", [x], ["y", "indices"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(SlicedPrefix.admits(node("Concat", [x, x], axis: 1), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Concat", [x, x], axis: 0), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Concat", [x, x], axis: -3), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Flatten", [x]), sliced: sliced, rank: 4, shapeOf: shapeOf))
        #expect(!SlicedPrefix.admits(node("Relu", ["other"]), sliced: sliced, rank: 4, shapeOf: shapeOf))
    }
}
