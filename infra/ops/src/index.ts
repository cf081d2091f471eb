export { stackControl } from './stack-control';
export { listeningPid } from './listening-pid';
export { seedBuyers, type Buyer, type SeedBuyersOptions } from './buyers';
export { LOAD_PASSWORD } from './password';
export { orderPrimaries } from './order-primaries';
// What an experiment reads back from the stack it disturbed: the votes of a ZooKeeper election, and whether this machine runs the stack.
export { compareVotes, electionNotifications, stackRunning, type ElectionNotification } from '@dsp/infra-stack';
