import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Inputs that are not regular files: refused by name, never waited on.
@Suite("imagepipe on special files")
struct SpecialFileTests {
    // Opening a FIFO for reading blocks until a writer appears: `convert` and `info` waited forever.
    // The test makes sure no writer ever appears, so a regression hangs into the time limit.
    @Test("info and convert refuse a FIFO at once, naming it", .timeLimit(.minutes(2)), arguments: [["info"], ["info", "--verify"], ["convert"]])
    func fifo(_ command: [String]) throws {
        let folder = try makeScratchDirectory()
        let fifo = folder + "/pipe.png"
        #expect(mkfifo(fifo, 0o600) == 0)
        let arguments = command + [fifo] + (command == ["convert"] ? ["-o", folder + "/out.webp"] : [])
        let run = try runImagepipe(arguments)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("\(fifo): is a FIFO (named pipe), not a regular file"), "\(run.stderr)")
    }
}
