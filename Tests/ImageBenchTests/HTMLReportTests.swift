import ImageBench
import Testing

@Suite("HTML reports")
struct HTMLReportTests {
    static func report() -> GenerateReport {
        var report = GenerateReport(
            provider: "sandbox", endpoint: "http://127.0.0.1:1/v1/images/generations", requests: 20, concurrency: 4,
            size: "64x64", warmupPasses: 1, distinctPrompts: 5
        )
        report.failures = ["generation.server": 2, "pipeline.<sizeMismatch>": 1]
        for stage in ["total", "decode", "<b>&\"odd\"</b>"] {
            var recorder = LatencyRecorder(stage: stage)
            for value in 1...20 { recorder.record(milliseconds: Double(value)) }
            report.latencies.append(recorder.distribution())
        }
        return report
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("bench generate: one page, one percentile chart per stage, a stacked bar, labels escaped, nothing external")
    func generatePage() {
        let report = Self.report()
        let page = HTMLReport.page(for: report)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<style>") && page.contains("</html>"))
        #expect(Self.count("<svg class=\"percentiles\"", in: page) == report.latencies.count)
        #expect(Self.count("<svg class=\"stacked\"", in: page) == 1)
        #expect(Self.count("<svg", in: page) == Self.count("</svg>", in: page))
        #expect(page.contains("&lt;b&gt;&amp;&quot;odd&quot;&lt;/b&gt;"))
        #expect(!page.contains("<b>&\"odd\""))
        #expect(page.contains("pipeline.&lt;sizeMismatch&gt;"))
        for external in ["<script", "src=", "href=", "@import", "url("] {
            #expect(!page.contains(external), "\(external)")
        }
    }

    @Test("bench codecs: a bar per side, the baseline beside ours, no baseline said so")
    func codecsPage() {
        let rows = [
            CodecBenchmark.Row(stage: "PNG decode", workload: "2 files, 2.1 MP", unit: "MP/s", seconds: 0.01, throughput: 210,
                               baseline: "libpng (C)", baselineSeconds: 0.011, baselineThroughput: 190, speedup: 1.1),
            CodecBenchmark.Row(stage: "resize <256>", workload: "2 images", unit: "MP/s", seconds: 0.01, throughput: 300),
        ]
        let page = HTMLReport.page(for: rows, corpus: "Fixtures", rounds: 1)
        #expect(Self.count("<svg class=\"comparison\"", in: page) == 1)
        #expect(Self.count("<rect", in: page) == 3 + 2)  // three bars, two legend swatches
        #expect(page.contains("resize &lt;256&gt;") && page.contains("no baseline in this process"))
        #expect(!page.contains("<script"))
    }

    @Test("escaping covers the five characters that matter in text and attributes")
    func escaping() {
        #expect(HTMLReport.escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
    }
}
