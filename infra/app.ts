// The `cdk` entry point (cdk.json "app"): `npm run cdk -- deploy --all -c stage=prod -c r2AccountId=… -c vllmBaseUrl=…`.
import { buildOcrltyApp } from './ocrlty-app.ts';
import { SettingsError } from './settings.ts';

try {
  buildOcrltyApp().app.synth();
} catch (err) {
  // Bad or missing context is the operator's to fix: the message, not a stack trace.
  if (!(err instanceof SettingsError)) throw err;
  console.error(err.message);
  process.exit(1);
}
