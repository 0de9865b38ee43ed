package compress

func compressTable(text string, h *hints) (string, bool) { return "", false }
