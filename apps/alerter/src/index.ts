export { AlerterModule } from './alerter.module';
