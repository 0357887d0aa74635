/// Splits typed input into digits and separators, the first step of every parse.
///
/// Separators that are ignored: whitespace (space, tab, CR, LF, no-break space U+00A0) and dashes
/// (`-`, U+2010 hyphen, U+2011 non-breaking hyphen, U+2013 en dash, U+2212 minus sign), because
/// agents paste numbers from web pages and documents. `+` is counted separately (the Swedish
/// "100 years or older" marker). Anything else, including non-ASCII digits such as `٣` or `３`,
/// makes the input invalid with reason `characters`.
struct ScannedInput {
    var digits: [Int] = []
    var plusSigns = 0
    var hasForeignCharacters = false

    init(_ input: String) {
        for scalar in input.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39:
                digits.append(Int(scalar.value - 0x30))
            case 0x20, 0x09, 0x0D, 0x0A, 0xA0, 0x2D, 0x2010, 0x2011, 0x2013, 0x2212:
                continue
            case 0x2B:
                plusSigns += 1
            default:
                hasForeignCharacters = true
            }
        }
    }
}

extension Array where Element == Int {
    /// The number formed by `count` digits starting at `start` (caller guarantees bounds).
    func number(at start: Int, count: Int) -> Int {
        var value = 0
        for index in start..<(start + count) { value = value * 10 + self[index] }
        return value
    }
}
