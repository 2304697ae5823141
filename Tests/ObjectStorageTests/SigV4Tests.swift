import ObjectStorage
import S3Wire
import Testing

/// The signer against AWS's published Signature Version 4 test suite (credentials AKIDEXAMPLE,
/// 2015-08-30T12:36:00Z, us-east-1, service "service") and the S3 documentation's GET example.
@Suite("SigV4")
struct SigV4Tests {
    static let suite = SigV4(
        credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service"
    )
    static let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    static func sign(path: String, query: [(String, String)] = []) -> SigV4.Signed {
        suite.sign(
            method: "GET", path: AWSText.uriEncoded(path, keepingSlashes: true), query: query,
            headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
            payloadHash: SigV4.emptyPayloadHash, date: "20150830T123600Z"
        )
    }

    @Test("the published suite's GET cases, signature for signature", arguments: [
        ("get-vanilla", "/", [], "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-vanilla-query-order-key-case", "/", [("Param2", "value2"), ("Param1", "value1")], "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("get-vanilla-query-unreserved", "/", [(unreserved, unreserved)], "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        ("get-vanilla-utf8-query", "/", [("\u{1234}", "bar")], "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        ("get-vanilla-query-order-encoded", "/", [("Param-3", "Value3"), ("Param", "Value2"), ("\u{1234}", "Value1")], "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"),
        ("get-unreserved", "/" + unreserved, [], "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        ("get-utf8", "/\u{1234}", [], "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        ("get-space", "/example space/", [], "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
    ] as [(String, String, [(String, String)], String)])
    func suiteCases(_ name: String, _ path: String, _ query: [(String, String)], _ signature: String) {
        let signed = Self.sign(path: path, query: query)
        #expect(signed.signature == signature, "\(name)\n\(signed.canonicalRequest)")
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)")
    }

    @Test("the canonical request of get-vanilla-query-order-key-case, as published")
    func canonicalRequest() {
        let signed = Self.sign(path: "/", query: [("Param2", "value2"), ("Param1", "value1")])
        #expect(signed.canonicalRequest == "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(SigV4.emptyPayloadHash)")
        #expect(signed.stringToSign == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0")
    }

    @Test("the S3 documentation's GET /test.txt with a range (x-amz-content-sha256 signed)")
    func s3Example() {
        let signer = SigV4(credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), region: "us-east-1")
        let signed = signer.sign(
            method: "GET", path: "/test.txt", query: [],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4.emptyPayloadHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: SigV4.emptyPayloadHash, date: "20130524T000000Z"
        )
        #expect(signed.stringToSign.hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
    }

    @Test("keys are encoded byte by byte: spaces, plus, unicode; slashes kept in paths only")
    func encoding() {
        #expect(AWSText.uriEncoded("a b+c/ü.png", keepingSlashes: true) == "a%20b%2Bc/%C3%BC.png")
        #expect(AWSText.uriEncoded("a/b") == "a%2Fb")
    }

    @Test("credentials never show their secret")
    func secretHidden() {
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: "very-secret-value", sessionToken: "token-value")
        let text = "\(credentials) \(S3Configuration(credentials: credentials, region: "eu-west-1"))"
        #expect(!text.contains("very-secret-value") && !text.contains("token-value"))
    }
}
