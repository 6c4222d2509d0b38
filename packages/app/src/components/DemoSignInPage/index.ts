export { DemoSignInPage, DEMO_USERS } from './DemoSignInPage';
