import Testing
@testable import HTTPServer

@Suite struct HTTPRequestFormTests {
    @Test func requestFormParametersLastValueWinsButItemsKeepDuplicates() {
        let request = HTTPRequest(method: "POST", path: "/", body: Array("a=1&a=2&b=x+y".utf8))
        #expect(request.formParameters() == ["a": "2", "b": "x y"])
        #expect(request.formItems().count == 3)
    }

    @Test func headerLookupIsCaseInsensitive() {
        let request = HTTPRequest(method: "GET", path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")])
        #expect(request.header("content-type") == "application/x-www-form-urlencoded; charset=UTF-8")
        #expect(request.mediaType == "application/x-www-form-urlencoded")
        #expect(request.header("missing") == nil)
    }
}
