// f16 and int8 weight storage against the PyTorch f32 references on every Node backend
// (helpers/weight-dtype-suite.ts has the bounds and how they were measured).
import { weightDtypeSuite } from './helpers/weight-dtype-suite.js';

weightDtypeSuite();
