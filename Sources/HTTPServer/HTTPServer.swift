// Module HTTPServer: see the module's README section in the top-level README.
