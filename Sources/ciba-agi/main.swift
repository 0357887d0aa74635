import Foundation

// ciba-agi: a FastAGI server that authenticates callers with OpenID Connect CIBA.
// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
signal(SIGPIPE, SIG_IGN)
let status = await CommandLineInterface.run(Array(CommandLine.arguments.dropFirst()))
exit(status)
