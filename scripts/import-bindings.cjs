#!/usr/bin/env node
// The first step of `npm run import` (scripts/import.cjs): regenerates the cdk8s bindings in
// imports/ offline from the schemas committed in imports/schemas/.
// cdk8s-cli hard-codes a download URL for `k8s@x.y.z`; this swaps its downloader for a
// reader of imports/schemas/k8s/<version>/_definitions.json and then runs the normal CLI,
// which re-imports every entry under `imports:` in cdk8s.yaml. CRD entries are local paths
// and never reach the network either.
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
process.chdir(root);
process.env.CDK8S_CHECK_UPGRADE = 'false';

const cli = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cli, 'lib/util'));
const schemas = path.join(root, 'imports/schemas/k8s');
const download = util.download;
util.download = async (url) => {
  const m = /\/kubernetes-schemas\/(v[0-9.]+)\/_definitions\.json$/.exec(url);
  return m ? fs.readFileSync(path.join(schemas, m[1], '_definitions.json'), 'utf-8') : download(url);
};
process.argv.splice(2, process.argv.length - 2, 'import', '--language', 'typescript', '--no-check-upgrade');
require(path.join(cli, 'lib/cli'));
