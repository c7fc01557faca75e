/** The middle value (the upper one of an even count): what a bench reports over rounds, so one noisy round does not decide. */
export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
