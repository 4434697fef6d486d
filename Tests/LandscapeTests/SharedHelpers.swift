// The helpers every test target shares (`SplitMix64`), seen by each file of this target
// whether or not it imports TestSupport itself.
@_exported import TestSupport
