import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { UsersService } from '@dsp/users';

/**
 * Service-to-service lookups (order-service checks the user behind an order).
 * Reached through ZooKeeper discovery; the gateway does not route `/internal`.
 */
@Controller('internal/users')
export class InternalUsersController {
  constructor(private readonly users: UsersService) {}

  @Get(':id')
  async byId(@Param('id') id: string) {
    if (!/^\d{1,20}$/.test(id)) throw new NotFoundException(`no user ${id}`);
    const found = await this.users.findById(id);
    if (!found) throw new NotFoundException(`no user ${id}`);
    return found.user;
  }
}
