// The tutorial topology has one definition, in main.ts; examples build on it from here.
export { tutorialGroup } from '../main';
