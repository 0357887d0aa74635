/// The channel variables of CONTRACT §2 for one outcome, in the order they are set.
///
/// Identity variables are emptied on every non-VERIFIED outcome (so a value from an earlier
/// attempt on the same channel cannot be mistaken for this one), and `CIBA_STATUS` goes last:
/// a dialplan that sees it sees everything else already set. `caller-auth`,
/// `caller-auth-start`, `caller-auth-result` and the AMI `Setvar` path all use this list.
enum ResultVariables {
    static func list(_ outcome: SessionOutcome, profile: Profile?, bindingMessage: String, txn: String) -> [(String, String)] {
        var variables: [(String, String)] = []
        if outcome.status == .verified {
            variables = outcome.identityVariables
        } else {
            variables = IdentityVariable.all.map { ($0, "") }
            if let profile {
                if profile.exposeIDNumber { variables.append(("CIBA_ID_NUMBER", "")) }
                for variable in profile.claimVariables.values.sorted() { variables.append((variable, "")) }
            }
        }
        variables.append(("CIBA_BINDING_MESSAGE", bindingMessage))
        variables.append(("CIBA_TXN", txn))
        variables.append(("CIBA_ERROR", outcome.error))
        variables.append(("CIBA_STATUS", outcome.status.rawValue))
        return variables
    }
}
