// The long forms of the soak and the bench test run when SOURCE_ENTERPRET_LONG_TESTS=1 (.ci/run
// sets it); `npm test` runs their short forms, which check the same things over less data: the
// two long forms alone took ~50 of the suite's ~220 s on two cores.
export const LONG_TESTS = process.env.SOURCE_ENTERPRET_LONG_TESTS === "1"
