#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step) through tsx's loader.
import { register } from 'tsx/esm/api';

// Register only if tsx's hooks are not loaded yet (`tsx …` and `node --import tsx …` load them; they map
// the .js specifier to main.ts): a second registration runs every module load through both copies.
if (!import.meta.resolve('../src/main.js').endsWith('.ts')) register();
await import('../src/main.ts');
