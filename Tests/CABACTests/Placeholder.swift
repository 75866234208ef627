import Testing
@testable import CABAC
