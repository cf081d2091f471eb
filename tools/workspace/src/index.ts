export { default as serviceGenerator, insertAtMarker, MARKER, type ServiceGeneratorOptions } from './generators/service/generator';
export { serviceNames, type ServiceNames } from './generators/service/service-names';
