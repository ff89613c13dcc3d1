// Stands in for a package a bundled dependency imports but never calls on Herald's
// code paths (see UNREACHABLE_PACKAGES in ../herald-function.ts). Using any of its
// exports fails loudly ("… is not a function"); test/cdk/bundling.test.ts renders every
// example statement through the real ingest bundle to prove none is used.
module.exports = {};
