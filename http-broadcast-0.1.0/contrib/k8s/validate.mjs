// Schema check of the manifests with the OpenAPI schemas bundled in the npm
// package kubernetes-models: see contrib/README.md.
import fs from 'fs';
import * as yaml from 'js-yaml';
const map = {
  'v1/ConfigMap': ['kubernetes-models/v1', 'ConfigMap'],
  'v1/Secret': ['kubernetes-models/v1', 'Secret'],
  'v1/Service': ['kubernetes-models/v1', 'Service'],
  'v1/PersistentVolumeClaim': ['kubernetes-models/v1', 'PersistentVolumeClaim'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1', 'Deployment'],
};
let bad = 0;
for (const f of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(f, 'utf8'))) {
    if (!doc) continue;
    const key = doc.apiVersion + '/' + doc.kind;
    const m = map[key];
    if (!m) { console.log(`${f}: ${key}: no schema`); bad++; continue; }
    const Cls = (await import(m[0]))[m[1]];
    try {
      new Cls(doc).validate();
      console.log(`${f}: ${key} ${doc.metadata.name}: valid`);
    } catch (e) {
      console.log(`${f}: ${key} ${doc.metadata.name}: INVALID ${e.message}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
