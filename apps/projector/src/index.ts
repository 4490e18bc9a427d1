export { ProjectorModule } from './projector.module';
export { ProjectorService } from './projector.service';
