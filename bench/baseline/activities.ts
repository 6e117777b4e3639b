export const baselineActivities = {
  async noop(index: number): Promise<number> {
    return index;
  },
};

export type BaselineActivities = typeof baselineActivities;
