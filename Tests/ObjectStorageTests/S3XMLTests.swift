import S3Wire
import Testing

/// The S3 answers as read: listings, upload ids, errors, times, configuration files.
@Suite("S3 wire text")
struct S3XMLTests {
    @Test("a listing: escaped and CDATA keys, sizes, ETags unquoted, times, the continuation token")
    func listing() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>true</IsTruncated><KeyMarker>x</KeyMarker>\
        <NextContinuationToken>tok/en=</NextContinuationToken><Contents><Key>a/b &amp; c&#x2B;.png</Key>\
        <LastModified>2026-12-04T19:18:44.500Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>12</Size></Contents>\
        <Contents><Key><![CDATA[ü <b>.png]]></Key><Size>0</Size></Contents></ListBucketResult>
        """
        let page = try S3XML.listPage(Array(xml.utf8))
        #expect(page.objects.map(\.key) == ["a/b & c+.png", "ü <b>.png"])
        #expect(page.objects.map(\.size) == [12, 0])
        #expect(page.objects[0].etag == "abc")
        #expect(page.objects[0].modifiedNanoseconds == 1_796_411_924_500_000_000)
        #expect(page.isTruncated && page.nextContinuationToken == "tok/en=")
    }

    @Test("malformed answers are refused with an offset", arguments: [
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>-4</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a &bogus; b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a",
        "<Error><Code>NoSuchKey</Code></Error>",
    ])
    func malformed(_ xml: String) {
        #expect(throws: S3XML.Problem.self) { try S3XML.listPage(Array(xml.utf8)) }
    }

    @Test("upload id, error answers, times (years past 2261 refused rather than overflowing)")
    func others() throws {
        #expect(try S3XML.uploadID(Array("<InitiateMultipartUploadResult><UploadId>id-1</UploadId></InitiateMultipartUploadResult>".utf8)) == "id-1")
        let slowDown = S3XML.error(Array("<Error><Code>SlowDown</Code><Message>Reduce &lt;rate&gt;</Message></Error>".utf8))
        #expect(slowDown?.code == "SlowDown" && slowDown?.message == "Reduce <rate>")
        #expect(S3XML.error(Array("not xml".utf8)) == nil)
        #expect(S3XML.nanoseconds(iso8601: "1970-01-01T00:00:00Z") == 0)
        #expect(S3XML.nanoseconds(iso8601: "2000-02-29T12:00:00.1Z") == 951_825_600_100_000_000)
        #expect(S3XML.nanoseconds(iso8601: "9999-12-31T23:59:59Z") == nil)
        #expect(S3XML.nanoseconds(iso8601: "2026-13-01T00:00:00Z") == nil)
    }

    @Test("AWS configuration files: profiles, [profile name] sections, comments")
    func profiles() {
        let text = "[default]\naws_access_key_id = AKID\nAWS_SECRET_ACCESS_KEY=secret ; not a comment\n# comment\n[profile work]\nregion = eu-west-1\n"
        let profiles = AWSText.profiles(text)
        #expect(profiles["default"]?["aws_access_key_id"] == "AKID")
        #expect(profiles["default"]?["aws_secret_access_key"] == "secret ; not a comment")
        #expect(profiles["work"]?["region"] == "eu-west-1")
    }
}
