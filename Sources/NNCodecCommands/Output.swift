import Foundation
import ONNXIO

/// Shared helpers for command output: JSON, byte counts, tables, and output-path safety.
enum Output {
    static func json<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? e.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// "1,067,212" style.
    static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// "1.02 MiB" style.
    static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.2f %@", v, units[u])
    }

    /// Left-aligned first column, right-aligned others.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ r: [String]) -> String {
            r.enumerated().map { c, s in
                c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - s.count) + s
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }

    static func printError(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// True when standard error is a terminal (progress lines go there).
    static var isTerminal: Bool { isatty(2) == 1 }
}

/// Errors the commands raise about their arguments or files, printed as one line.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

enum OutputPath {
    /// Refuses to write over an input file, or over an existing file without `force`.
    static func check(_ output: String, inputs: [String], force: Bool) throws {
        let out = FileIO.canonical(output)
        for i in inputs where FileIO.canonical(i) == out {
            throw CommandError("\(output): refusing to overwrite the input file (choose another -o)")
        }
        if FileIO.exists(output) && !force {
            throw CommandError("\(output): already exists (pass --force to overwrite it)")
        }
    }

    /// `input` with its extension replaced by `ext` (e.g. "model.onnx" → "model.nnc").
    static func replacingExtension(_ input: String, with ext: String) -> String {
        let name = FileIO.fileName(of: input)
        let dir = FileIO.directory(of: input)
        let stem = name.contains(".") ? String(name[..<name.lastIndex(of: ".")!]) : name
        let file = stem + "." + ext
        return input.contains("/") ? dir + "/" + file : file
    }
}
