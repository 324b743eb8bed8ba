export * from './errors';
export * from './gpu-profile';
export * from './qwen-model';
export * from './qwen-model-volume';
export * from './rbg-target';
export * from './rdma-profile';
export * from './sglang-role';
export * from './pd-serving-group';
