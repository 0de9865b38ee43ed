package hook

// NewNativeForTest is newNative for the external test package: the two
// test packages share one engine helper.
var NewNativeForTest = newNative
