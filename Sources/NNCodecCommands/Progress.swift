import Foundation

/// A one-line progress display on standard error, only when it is a terminal.
final class Progress: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private let start = Date()
    private let lock = NSLock()

    init(_ label: String, enabled: Bool = Output.isTerminal) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ done: Int, _ total: Int, _ item: String) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        var eta = ""
        if done > 0 && total > done {
            eta = String(format: ", ~%.0f s left", elapsed / Double(done) * Double(total - done))
        }
        let line = "\(label) \(done)/\(total) \(item)\(eta)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + String(line.prefix(120))).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
