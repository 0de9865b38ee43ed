package compress

func compressHTML(text string, h *hints) (string, bool) { return "", false }
