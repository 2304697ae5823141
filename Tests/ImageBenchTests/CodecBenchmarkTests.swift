import Foundation
import ImageBench
import Testing
import TestSupport

@Suite("bench codecs")
struct CodecBenchmarkTests {
    @Test("on Fixtures with one round: every stage, each codec beside its C baseline, corrupt files left out")
    func fixtures() throws {
        let rows = try CodecBenchmark(corpus: TestPaths.fixtures.path, rounds: 1).run()
        let stages = rows.map(\.stage)
        #expect(stages.first == "base64 (response bodies)", "\(stages)")
        for prefix in ["SHA-256", "PNG decode", "WebP decode", "resize", "PNG encode", "WebP encode"] {
            #expect(stages.contains { $0.hasPrefix(prefix) }, "\(prefix) missing from \(stages)")
        }
        for row in rows {
            #expect(row.throughput > 0 && row.seconds > 0, "\(row)")
            if row.stage.hasPrefix("resize") {
                #expect(row.baseline == nil && row.speedup == nil)
            } else {
                #expect(row.baseline != nil && (row.baselineThroughput ?? 0) > 0 && (row.speedup ?? 0) > 0, "\(row)")
            }
        }
        #expect(rows.allSatisfy { $0.unit == ($0.stage.hasPrefix("base64") || $0.stage.hasPrefix("SHA-256") ? "GB/s" : "MP/s") })
        let table = CodecBenchmark.table(rows)
        #expect(table.split(separator: "\n").count == rows.count + 2)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(rows)) as! [[String: Any]]
        #expect(Set(json[1].keys).isSuperset(of: ["stage", "workload", "unit", "seconds", "throughput", "baseline", "baselineThroughput", "speedup"]))
    }

    @Test("a folder without images or responses is refused with its path")
    func emptyCorpus() throws {
        let folder = try makeScratchDirectory()
        #expect(throws: (any Error).self) { try CodecBenchmark(corpus: folder, rounds: 1).run() }
    }
}
