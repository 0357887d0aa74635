/// Norwegian BankID's binding word pairs ("Frekk julekos"): the IVR tells the caller the
/// pair, the caller picks it in the app. Idura returns one as `bindingMessage`.
///
/// The lists are ASCII only on purpose: the IVR may spell the words with Asterisk's
/// `SAY ALPHA`, which has no sounds for æ, ø and å.
enum NorwegianWordPairs {
    static let adjectives = [
        "Frekk", "Glad", "Rask", "Snill", "Modig", "Lur", "Stille", "Varm", "Blank", "Myk",
        "Sterk", "Lett", "Rolig", "Kjekk", "Lys", "Klok", "Flink", "Rund", "Vill", "Pen",
    ]
    static let nouns = [
        "julekos", "fjelltur", "sommerdag", "vaffel", "kanelbolle", "brunost", "fyrlykt",
        "nordlys", "elg", "skiltur", "hytte", "fiskekake", "kaffekopp", "regnbue", "sol",
        "snofnugg", "sykkel", "turlag", "pannekake", "fjord",
    ]

    /// A random pair, e.g. "Frekk julekos".
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let adjective = adjectives.randomElement(using: &generator) ?? "Frekk"
        let noun = nouns.randomElement(using: &generator) ?? "julekos"
        return "\(adjective) \(noun)"
    }
}
