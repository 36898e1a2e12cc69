use crate::common::TestEnv;
#[allow(dead_code)] fn _unused(_: TestEnv) {}
