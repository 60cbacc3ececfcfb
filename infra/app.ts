// The `cdk` entry point (cdk.json "app"): `npx cdk synth -c stage=prod -c r2AccountId=… -c vllmBaseUrl=…`.
import { buildOcrltyApp } from './ocrlty-app.ts';

buildOcrltyApp().app.synth();
