import Testing
@testable import NNCodecCommands
