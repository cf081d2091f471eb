export { seedBuyers, type Buyer, type SeedBuyersOptions } from './buyers';
