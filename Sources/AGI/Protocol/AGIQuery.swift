import URLEncoding

/// One `name=value` pair of the script's query string, percent-decoded.
public struct AGIQueryItem: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Splits `script?key=value&...` and decodes the query like a URL query
/// (`%XX` escapes, `+` = space). Invalid escapes are kept literally and invalid UTF-8
/// is replaced with U+FFFD, so hostile input never fails or crashes.
public enum AGIQuery {
    public static func splitScript(_ raw: String) -> (script: String, items: [AGIQueryItem]) {
        var path = Substring(raw)
        var queryText: Substring = ""
        if let mark = raw.firstIndex(of: "?") {
            path = raw[..<mark]
            queryText = raw[raw.index(after: mark)...]
        }
        while path.hasPrefix("/") { path = path.dropFirst() }
        return (decode(path, plusIsSpace: false), parse(queryText))
    }

    public static func parse(_ query: Substring) -> [AGIQueryItem] {
        var items: [AGIQueryItem] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = pair.firstIndex(of: "=") {
                items.append(AGIQueryItem(name: decode(pair[..<eq], plusIsSpace: true),
                                          value: decode(pair[pair.index(after: eq)...], plusIsSpace: true)))
            } else {
                items.append(AGIQueryItem(name: decode(pair, plusIsSpace: true), value: ""))
            }
        }
        return items
    }

    /// Percent-decodes `text`; with `plusIsSpace`, `+` becomes a space (form encoding).
    public static func decode(_ text: Substring, plusIsSpace: Bool) -> String {
        FormURLEncoding.percentDecode(text, plusIsSpace: plusIsSpace)
    }
}
