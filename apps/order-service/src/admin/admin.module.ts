import { Module, type DynamicModule } from '@nestjs/common';
import { ADMIN_TOKEN, AdminGuard } from './admin.guard';

/** The admin bearer token and its guard, for every feature's admin routes. */
@Module({})
export class AdminModule {
  static forRoot(token: string): DynamicModule {
    return {
      module: AdminModule,
      global: true,
      providers: [{ provide: ADMIN_TOKEN, useValue: token }, AdminGuard],
      exports: [ADMIN_TOKEN, AdminGuard],
    };
  }
}
