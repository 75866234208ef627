import Archives
import Foundation
import ONNXIO

/// The sizes of one file as NNC papers report them.
public struct SizesResult: Codable, Sendable {
    public var file: String
    /// The model had external data, measured inlined as one self-contained .onnx.
    public var inlinedExternalData: Bool
    public var sizes: SizeReport
    /// Where the .7z was kept, if asked.
    public var sevenZipPath: String?
}

extension Pipeline {
    /// .onnx, .7z and .xz sizes of `file` (an .onnx is validated and measured with its
    /// external data inlined); the .7z is also written to `sevenZip` when given.
    public static func sizes(of file: String, sevenZip: String? = nil) throws -> SizesResult {
        guard FileIO.exists(file) else {
            throw ONNXError(.fileNotFound, file: file, detail: "no such file", hint: "check the path")
        }
        let url = URL(fileURLWithPath: file)
        let target = sevenZip.map { URL(fileURLWithPath: $0) }
        if file.hasSuffix(".onnx") {
            let model = try Model.load(path: file)
            var external = false
            var copy = model
            copy.forEachTensor { t in external = external || t.isExternal }
            if external {
                let report = try SizeReport.measure(model.inlined().serialized(), name: url.lastPathComponent, writingSevenZipTo: target)
                return SizesResult(file: file, inlinedExternalData: true, sizes: report, sevenZipPath: sevenZip)
            }
        }
        let report = try SizeReport.measure(fileAt: url, writingSevenZipTo: target)
        return SizesResult(file: file, inlinedExternalData: false, sizes: report, sevenZipPath: sevenZip)
    }
}
