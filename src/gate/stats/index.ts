// The statistics the judge uses: aggregations, the Mann-Whitney U test and bootstrap confidence
// intervals with a seeded generator. Pure functions over finite numbers, checked against scipy and
// numpy in test/gate/stats.test.ts (fixtures in test/fixtures/statistics/).
export * from './bootstrap';
export * from './descriptive';
export * from './mann-whitney';
