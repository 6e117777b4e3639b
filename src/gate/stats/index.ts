// The statistics the judge uses: aggregations, the Mann-Whitney U test, bootstrap confidence
// intervals with a seeded generator, and alpha-spending boundaries for repeated looks. Pure functions over finite numbers, checked against scipy and
// numpy in test/gate/stats.test.ts (fixtures in test/fixtures/statistics/).
export * from './bootstrap';
export * from './descriptive';
export * from './mann-whitney';
export * from './sequential';
