import Foundation
import GenerationJob
import ImagePipeline
import Testing
import TestSupport
import PipelineCore

@Suite("prompt files")
struct PromptFileTests {
    @Test("one prompt per line: spaces trimmed, blank lines and # comments skipped, CRLF and a missing last newline read")
    func lines() {
        let text = "# a batch\r\n  a red fox  \r\n\r\n\ta lighthouse\n#not this\nthe last one"
        #expect(PromptFile.prompts(in: Array(text.utf8)) == ["a red fox", "a lighthouse", "the last one"])
        #expect(PromptFile.prompts(in: []).isEmpty)
    }

    @Test("a file without prompts, a missing file and a folder are refused, naming the path")
    func refusals() throws {
        let folder = try makeScratchDirectory()
        try FileIO.writeAtomically(Array("# only a comment\n\n".utf8), to: folder + "/empty.txt")
        let empty = #expect(throws: PipelineError.self) { try PromptFile.read(folder + "/empty.txt") }
        #expect(empty?.description == folder + "/empty.txt: no prompts (one per line)")
        let missing = #expect(throws: PipelineError.self) { try PromptFile.read(folder + "/missing.txt") }
        #expect(missing?.code == .readFailed)
        #expect(missing?.description.hasPrefix(folder + "/missing.txt: ") == true)
        let directory = #expect(throws: PipelineError.self) { try PromptFile.read(folder) }
        #expect(directory?.code == .notAFile)
        try FileIO.writeAtomically(Array("one\ntwo\n".utf8), to: folder + "/two.txt")
        #expect(try PromptFile.read(folder + "/two.txt") == ["one", "two"])
    }
}
