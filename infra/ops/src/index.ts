export { stackControl } from './stack-control';
export { seedBuyers, type Buyer, type SeedBuyersOptions } from './buyers';
export { LOAD_PASSWORD } from './password';
export { orderPrimaries } from './order-primaries';
