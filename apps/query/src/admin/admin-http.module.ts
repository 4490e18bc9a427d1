import { Module } from '@nestjs/common';
import { PARKED_RETRY_WAIT, ParkedEventsController } from './parked-events.controller';

/** `/v1/admin/parked`: list, retry and discard parked events (admin role). */
@Module({
  controllers: [ParkedEventsController],
  providers: [{ provide: PARKED_RETRY_WAIT, useValue: undefined }],
})
export class AdminHttpModule {}
