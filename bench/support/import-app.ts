/** Cold-start component: how long importing the composition root takes (module graph through tsx). */
const t0 = performance.now();
await import('../../src/app.ts');
// performance.now() counts from process start, so this includes Node's and tsx's own start-up.
process.send?.({ ms: performance.now() });
void t0;
