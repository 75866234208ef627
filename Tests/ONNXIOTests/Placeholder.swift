import Testing
@testable import ONNXIO
