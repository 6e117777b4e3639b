// Everything the worker's workflow bundle registers.
export { configChangedSignal, decideUpdate, progressQuery, releasePipelineReview } from './review';
