import Testing
@testable import Codec
