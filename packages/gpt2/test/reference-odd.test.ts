// The PyTorch reference of models/gpt2-odd reproduced on every Node backend (see helpers/reference-suite.ts).
import { referenceSuite } from './helpers/reference-suite.js';

referenceSuite('gpt2-odd');
