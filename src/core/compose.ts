/** grammY-style middleware: each step gets the context and a `next` that runs the rest of the pipeline. */
export type Next = () => Promise<void>;
export type Step<C> = (ctx: C, next: Next) => Promise<void>;

export function compose<C>(steps: Step<C>[]): (ctx: C) => Promise<void> {
  return (ctx) => {
    let lastIndex = -1;
    const dispatch = async (index: number): Promise<void> => {
      if (index <= lastIndex) throw new Error('next() called more than once in one step');
      lastIndex = index;
      const step = steps[index];
      if (step) await step(ctx, () => dispatch(index + 1));
    };
    return dispatch(0);
  };
}
