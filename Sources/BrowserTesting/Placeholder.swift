enum BrowserTestingPlaceholder {}
